"""Pure rules of the plan lifecycle: no database, no HTTP, no Prefect."""
