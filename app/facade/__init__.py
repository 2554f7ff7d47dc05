"""The facade's areas: typed services that `app.core.Memloci` is composed of.

Each area receives what it needs explicitly (the store, the writer, the retriever, the
settings); none receives the facade. `app.bootstrap` builds them.
"""
