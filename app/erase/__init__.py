"""Control over what is kept: erase by selection, retention rules, and scrubbing.

`selection` turns what a person points at (a span of time, an application, a title or address,
words, a conversation, rows picked in a table) into memory ids; `plan` describes an erase (what
goes, by type and by source) around the forget cascade of `app.store.forgetting`; `retention`
applies the per-source and per-app day limits. Forgetting itself, in one transaction, stays in
the store; this package only chooses what to forget.
"""
