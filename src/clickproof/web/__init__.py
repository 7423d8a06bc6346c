"""The evidence console: server-rendered pages for the people who pull evidence (docs/console.md)."""
