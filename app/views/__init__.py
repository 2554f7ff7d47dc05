"""Read models for the desktop app: paged browsing, timeline, entity graph, activity figures.

Qt-free and called through the facade, so the GUI never touches the database and the CLI can
print the same views. Each module owns one view and its SQL.
"""
