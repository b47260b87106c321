"""The shared core of our dynamic providers: clients, check, waiter, errors, naming, tags."""
