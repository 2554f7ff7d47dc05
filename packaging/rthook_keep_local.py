"""PyInstaller runtime hook: library telemetry is off before the frozen build runs anything
(onnxruntime reads ORT_DISABLE_TELEMETRY when it loads; see app/privacy.py)."""

from app.privacy import keep_local

keep_local()
