from clickproof.cli.main import app

app()
