"""Code every service uses: event contracts, bus, store, outbox/inbox, auth, logging, app
factory."""
