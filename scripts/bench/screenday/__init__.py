"""Scripted work days on a real X11 desktop, for scripts/bench/screen_day.py.

- `model`: facts and their questions, the timeline of a day, and what was on screen when;
- `desk`: Xvfb with openbox, xterm with a shell whose commands print scripted output, Tk editor
  and viewer windows; `browser`: Chromium driven by real key presses (and read over the DevTools
  protocol to know what is visible);
- `capture`: `memloci capture run` in its own process and store, with one variant's settings;
- `days`: the scripted days themselves; their pages, documents and command output live in
  `content/`, the facts and questions in `content/facts.txt`;
- `score`: what the store holds afterwards: facts stored, found by search, stated by `ask`,
  how long each took to become searchable, and how sessions follow activities; `report`: the
  figures of a run and the side-by-side table.
"""
