"""The process manager: reacts to finished runs and issues the next commands of their workflow."""
