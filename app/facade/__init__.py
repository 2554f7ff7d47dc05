"""The facade's methods, by area; `app.core.Memloci` combines them."""
