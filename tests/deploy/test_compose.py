"""The distributed-mode deployment files agree with the code.

docker-compose.yml and deploy/gateway/nginx.conf cannot be started in CI (no Docker engine), so
these tests read them and check them against the services: every compose service runs a module
that exists with settings that exist, and the gateway sends every public path to the service
that serves it (and no path of a service to another one).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "gateway" / "nginx.conf"

SERVICES = ("identity", "projects", "hours", "notifications")
API_PREFIX = "/api/v1/"


# --- compose --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def _command(svc: dict[str, Any]) -> list[str]:
    cmd = svc.get("command")
    if cmd is None:
        return []
    if isinstance(cmd, str):
        return cmd.split()
    return [str(part) for part in cmd]


def _app_services(compose: dict[str, Any]) -> dict[str, str]:
    """compose service name -> X for every service whose command is `python -m services.X`."""
    found = {}
    for name, svc in compose["services"].items():
        cmd = _command(svc)
        if len(cmd) == 3 and cmd[0] in ("python", "python3") and cmd[1] == "-m":
            match = re.fullmatch(r"services\.(\w+)", cmd[2])
            if match:
                found[name] = match.group(1)
    return found


def _environment(svc: dict[str, Any]) -> dict[str, str | None]:
    env = svc.get("environment") or {}
    if isinstance(env, dict):
        return {str(k): None if v is None else str(v) for k, v in env.items()}
    result: dict[str, str | None] = {}
    for item in env:
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


def test_compose_runs_exactly_the_four_services(compose: dict[str, Any]) -> None:
    app_services = _app_services(compose)
    assert set(app_services.values()) == set(SERVICES)
    for name, module in app_services.items():
        assert name == module, f"compose service {name!r} runs services.{module}"
        assert importlib.util.find_spec(f"services.{module}.__main__") is not None, (
            f"compose service {name!r} runs `python -m services.{module}`, which does not exist"
        )
        assert compose["services"][name].get("build") is not None


def test_service_environment_names_real_settings(compose: dict[str, Any]) -> None:
    from shared.settings import Settings

    for name in _app_services(compose):
        env = _environment(compose["services"][name])
        assert env, f"{name} sets no environment"
        unknown = sorted(k for k in env if k.lower() not in Settings.model_fields)
        assert not unknown, f"{name} sets variables that are no Settings field: {unknown}"


def test_services_reach_the_real_infrastructure(compose: dict[str, Any]) -> None:
    for name in _app_services(compose):
        svc = compose["services"][name]
        env = _environment(svc)
        amqp, mongo = env.get("AMQP_URL"), env.get("MONGO_URL")
        assert amqp and urlsplit(amqp).hostname == "rabbitmq", name
        assert mongo and urlsplit(mongo).hostname == "mongo", name
        assert "replicaSet=rs0" in mongo, name
        assert env.get("HTTP_HOST") == "0.0.0.0", name
        depends = svc.get("depends_on")
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for infra in ("rabbitmq", "mongo"):
            assert depends.get(infra, {}).get("condition") == "service_healthy", (name, infra)
        health = " ".join(map(str, svc.get("healthcheck", {}).get("test", [])))
        assert "/readyz" in health, f"{name}: healthcheck must probe /readyz"
        if name != "identity":
            jwks = env.get("JWKS_URL")
            assert jwks and urlsplit(jwks).hostname == "identity", name


def test_infrastructure_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    rabbit = services["rabbitmq"]
    assert rabbit["image"].startswith("rabbitmq:") and "management" in rabbit["image"]
    assert "healthcheck" in rabbit
    mongo = services["mongo"]
    assert mongo["image"].startswith("mongo:")
    assert "--replSet" in _command(mongo)
    assert "rs.initiate" in " ".join(map(str, mongo["healthcheck"]["test"]))
    gateway = services["gateway"]
    assert gateway["image"].startswith("nginx:")
    mounts = [str(v) for v in gateway.get("volumes", [])]
    assert any(m.startswith("./deploy/gateway/nginx.conf:") for m in mounts), mounts


# --- nginx.conf -----------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]


@dataclass
class Location:
    exact: bool
    path: str
    upstream: str  # the upstream block proxy_pass names
    service: str = field(default="")  # compose service behind that upstream


_TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[{};]|[^\s{};'"#]+""")


def _tokens(text: str) -> list[str]:
    text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    return [t[1:-1] if t[0] in "'\"" else t for t in _TOKEN.findall(text)]


def _parse_nginx(text: str) -> list[Directive]:
    tokens = _tokens(text)
    pos = 0

    def block() -> list[Directive]:
        nonlocal pos
        out: list[Directive] = []
        while pos < len(tokens):
            if tokens[pos] == "}":
                pos += 1
                return out
            words: list[str] = []
            while tokens[pos] not in ("{", ";", "}"):
                words.append(tokens[pos])
                pos += 1
            end = tokens[pos]
            assert end != "}", f"missing ';' after {words}"
            pos += 1
            sub = block() if end == "{" else None
            out.append(Directive(words[0], words[1:], sub))
        return out

    return block()


@pytest.fixture(scope="module")
def nginx() -> Directive:
    top = Directive("main", [], _parse_nginx(NGINX_CONF.read_text()))
    assert len(top.children("events")) == 1
    assert len(top.children("http")) == 1
    return top.children("http")[0]


@pytest.fixture(scope="module")
def upstream_hosts(nginx: Directive) -> dict[str, list[tuple[str, int]]]:
    result = {}
    for up in nginx.children("upstream"):
        servers = []
        for server in up.children("server"):
            host, _, port = server.args[0].rpartition(":")
            servers.append((host, int(port)))
        result[up.args[0]] = servers
    return result


@pytest.fixture(scope="module")
def locations(nginx: Directive, upstream_hosts: dict[str, list[tuple[str, int]]]) -> list[Location]:
    servers = nginx.children("server")
    assert len(servers) == 1
    result = []
    for loc in servers[0].children("location"):
        passes = loc.children("proxy_pass")
        if not passes:
            continue
        target = urlsplit(passes[0].args[0])
        assert target.path == "", f"location {loc.args}: proxy_pass must keep the path"
        exact = loc.args[0] == "="
        path = loc.args[-1]
        assert len(loc.args) == (2 if exact else 1), f"unsupported location form {loc.args}"
        upstream = target.netloc
        assert upstream in upstream_hosts, f"location {path}: no upstream {upstream!r}"
        hosts = {host for host, _ in upstream_hosts[upstream]}
        assert len(hosts) == 1, f"upstream {upstream} mixes services: {hosts}"
        result.append(Location(exact, path, upstream, hosts.pop()))
    assert result
    return result


def _route_paths(name: str) -> list[str]:
    module = importlib.import_module(f"services.{name}.app")
    spec = module.service
    paths = []
    for router in spec.routers:
        for route in router.routes:
            path = getattr(route, "path", None)
            if isinstance(path, str):
                paths.append(path)
    assert paths, f"services.{name} has no routes"
    return paths


def _select(locations: list[Location], path: str) -> Location | None:
    """The location nginx picks for `path`: an exact match, else the longest prefix."""
    for loc in locations:
        if loc.exact and loc.path == path:
            return loc
    prefixes = [loc for loc in locations if not loc.exact and path.startswith(loc.path)]
    return max(prefixes, key=lambda loc: len(loc.path), default=None)


def test_gateway_upstreams_are_compose_services(
    compose: dict[str, Any], upstream_hosts: dict[str, list[tuple[str, int]]]
) -> None:
    app_services = _app_services(compose)
    assert set(upstream_hosts) == set(SERVICES)
    for upstream, servers in upstream_hosts.items():
        for host, port in servers:
            assert host in app_services, f"upstream {upstream}: {host} is no compose service"
            http_port = _environment(compose["services"][host]).get("HTTP_PORT")
            assert str(port) == http_port, f"upstream {upstream}: port {port} != {http_port}"


def test_every_service_has_gateway_routes(locations: list[Location]) -> None:
    assert {loc.service for loc in locations} == set(SERVICES)
    assert all(loc.path.startswith(API_PREFIX) for loc in locations)


@pytest.mark.parametrize("name", SERVICES)
def test_gateway_locations_are_served(name: str, locations: list[Location]) -> None:
    paths = _route_paths(name)
    for loc in (loc for loc in locations if loc.service == name):
        if loc.exact:
            ok = loc.path in paths
        else:
            ok = any(p.startswith(loc.path) for p in paths)
        kind = "= " if loc.exact else ""
        assert ok, f"gateway sends `location {kind}{loc.path}` to {name}, which serves no such path"


@pytest.mark.parametrize("name", SERVICES)
def test_service_routes_reach_their_service(name: str, locations: list[Location]) -> None:
    wrong = {}
    for path in _route_paths(name):
        if not path.startswith(API_PREFIX):
            continue
        loc = _select(locations, path)
        target = loc.service if loc else "404"
        if target != name:
            wrong[path] = target
    assert not wrong, f"the gateway routes these paths of {name} elsewhere: {wrong}"


def test_jwks_url_is_identitys(compose: dict[str, Any], locations: list[Location]) -> None:
    paths = set(_route_paths("identity"))
    for name in _app_services(compose):
        jwks = _environment(compose["services"][name]).get("JWKS_URL")
        if jwks:
            path = urlsplit(jwks).path
            assert path in paths, f"{name}: JWKS_URL path {path} is no identity route"
            loc = _select(locations, path)
            assert loc is not None and loc.service == "identity"
