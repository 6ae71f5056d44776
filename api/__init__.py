"""The edge people use: the web app, its JSON API and the ``coproduce`` command."""
