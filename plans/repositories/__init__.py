"""All SQL lives in these modules; each repository holds a session and takes domain arguments."""
