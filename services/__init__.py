"""The four services. ``python -m services`` runs them all in one process (embedded mode);
``python -m services.<name>`` runs one on its own (distributed mode). A service never imports
another: what they share goes through ``shared/``."""
