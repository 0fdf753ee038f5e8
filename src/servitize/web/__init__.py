"""The web app: FastAPI factory, layout, login, static files."""
