"""The encrypted SQLite store: connections, migrations, memory records."""
