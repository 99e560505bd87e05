# Volunteer-hours platform: developer and CI entry points.
#   make run    embedded mode (all four services in one process) on http://127.0.0.1:8000
#   make test   lint + the whole test suite (needs a local RabbitMQ, started if missing)
#   make bench  grant-throughput benchmark

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

# apt-get needs root; use sudo when we are not root and it exists.
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)

.PHONY: venv run test lint bench clean deploy-secrets

venv: $(STAMP)

# Debian's python3 lacks ensurepip until python3-venv is installed; a failed attempt leaves a
# half-made .venv behind, so remove it before retrying.
$(PY):
	@python3 -m venv $(VENV) || { \
		echo "python3 -m venv failed; installing python3-venv" >&2; \
		rm -rf $(VENV); \
		$(SUDO) apt-get update; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; \
		python3 -m venv $(VENV); \
	}

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $@

run: venv
	exec $(PY) -m services

test: venv
	bash scripts/ensure-rabbitmq.sh
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: venv
	$(PY) -m bench.grant_throughput

# The RSA key identity signs tokens with in the distributed mode (docker-compose.yml mounts it as
# the secret jwt_private_key.pem). Never overwritten once it exists.
JWT_KEY := deploy/secrets/jwt_private_key.pem
deploy-secrets: $(JWT_KEY)

$(JWT_KEY): | $(STAMP)
	$(PY) -c 'import sys; from cryptography.hazmat.primitives import serialization as s; \
	from cryptography.hazmat.primitives.asymmetric import rsa; \
	k = rsa.generate_private_key(public_exponent=65537, key_size=2048); \
	open(sys.argv[1], "wb").write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))' $@
	@chmod 0644 $@  # read by the container's non-root user through a bind-mounted secret

clean:
	rm -rf $(VENV) .data
