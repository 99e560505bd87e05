"""Notifications: in-app inbox, subscriber bindings and consents, WeChat delivery log."""
