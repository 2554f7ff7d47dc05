"""Screen capture: what is on screen becomes searchable activity, privately and cheaply.

Modules by responsibility: `context` (the window in front), `rules` (what is never captured),
`grab` (pixels, mss), `change` (what is new on screen), `ocr`
(tesseract), `digest` (text of a session), `sessions` (activity records and hand-off to the
agents), `store` (state shared across processes, in the encrypted database), `retention`
(optional encrypted frames), `scheduler` (APScheduler), `service` (the loop), `platforms` and
`x11` (window, idle and lock information per platform). Secrets leave the text through
`app.security.redact`, the redactor chat and the agents use too. Nothing heavy is imported here.
"""
