#!/usr/bin/env bash
# Make sure a local RabbitMQ broker is installed and running on 127.0.0.1:5672 (used by the
# tests that exercise the real bus). Idempotent and silent when the broker is already up; never
# restarts a running broker.
set -euo pipefail

# /usr/sbin (rabbitmqctl, rabbitmq-server) may be missing from PATH for non-root users.
PATH="$PATH:/usr/sbin:/sbin"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    fi
fi

port_open() {
    (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null
}

node_running() {
    $SUDO rabbitmqctl status >/dev/null 2>&1
}

if port_open && node_running; then
    exit 0
fi

if ! command -v rabbitmqctl >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmqctl ]; then
    echo "ensure-rabbitmq: installing rabbitmq-server" >&2
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi

if ! node_running; then
    echo "ensure-rabbitmq: starting rabbitmq-server" >&2
    $SUDO rabbitmq-server -detached
fi

# `rabbitmq-server -detached` returns at once, and `await_startup` fails at once while the
# Erlang node is not up yet: first wait for the node to answer, then for the broker to boot.
for _ in $(seq 1 120); do
    if $SUDO rabbitmqctl -q ping >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
if ! timeout 130 $SUDO rabbitmqctl await_startup --timeout 120 >/dev/null; then
    echo "ensure-rabbitmq: RabbitMQ did not start within 120 s" >&2
    exit 1
fi

# The node runs but the broker application may have been stopped (rabbitmqctl stop_app).
if ! port_open; then
    $SUDO rabbitmqctl start_app >/dev/null
    timeout 130 $SUDO rabbitmqctl await_startup --timeout 120 >/dev/null
fi

for _ in $(seq 1 30); do
    if port_open; then
        echo "ensure-rabbitmq: RabbitMQ is up on 127.0.0.1:5672" >&2
        exit 0
    fi
    sleep 1
done
echo "ensure-rabbitmq: RabbitMQ runs but port 5672 is closed" >&2
exit 1
