"""The generated clients, imported in the project's virtualenv, against the shop app
served by uvicorn on 127.0.0.1: real HTTP, sync and async."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

USE_CLIENTS = r'''
import asyncio, json, sys

base, output = sys.argv[1], sys.argv[2]
sys.path[:0] = [f"{output}/items", f"{output}/orders", f"{output}/broker"]

from items_client import Client as ItemsClient
from items_client.api.items import create_item, delete_item, get_item, health, list_items
from items_client.models import Colour, Dimensions, NewItem
from orders_client import Client as OrdersClient
from orders_client.api.orders import create_order, pay_order
from orders_client.models import NewOrder, OrderLine, OrderStatus
from broker_client import Client as BrokerClient
from broker_client.api.broker import list_prices

seen = {}
with ItemsClient(base_url=base) as client:
    seen["health"] = health.sync(client=client).to_dict()
    created = create_item.sync(client=client, body=NewItem(
        name="chair", colour=Colour.BLUE, dimensions=Dimensions(width=1.5, height=2.0)))
    seen["created"] = created.to_dict()
    fetched = get_item.sync(client=client, item_id=created.id)
    seen["fetched_colour"] = fetched.colour.value
    seen["fetched_depth"] = str(fetched.dimensions.depth)
    seen["blue"] = [i.name for i in list_items.sync(client=client, colour=Colour.BLUE)]
    seen["deleted"] = delete_item.sync_detailed(client=client, item_id=created.id).status_code
    seen["missing"] = get_item.sync_detailed(client=client, item_id=created.id).status_code

async def use_async():
    async with OrdersClient(base_url=base) as client:
        order = await create_order.asyncio(client=client, body=NewOrder(
            lines=[OrderLine(item_id=1, quantity=3)], note="ring twice"))
        paid = await pay_order.asyncio(client=client, order_id=order.id)
        return {"lines": [l.to_dict() for l in order.lines], "note": order.note,
                "status": paid.status.value, "is_paid": paid.status == OrderStatus.PAID}

seen["async"] = asyncio.run(use_async())
with BrokerClient(base_url=base) as client:
    seen["prices"] = [p.to_dict() for p in list_prices.sync(client=client)]
print(json.dumps(seen))
'''


@pytest.fixture
def served(generated: Path, shop_venv: Path) -> Iterator[str]:
    """The shop app under uvicorn (in its own virtualenv) on a free port of 127.0.0.1."""
    proc = subprocess.Popen([str(shop_venv / "bin" / "python"), "-m", "uvicorn",
                             "shop.main:app", "--host", "127.0.0.1", "--port", "0"],
                            cwd=generated, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SHOP_NAME": "corner-shop"})
    assert proc.stderr is not None
    seen = []
    port = None
    for line in proc.stderr:
        seen.append(line)
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
        if found:
            port = found.group(1)
            break
    if port is None:
        proc.wait(10)
        proc.stderr.close()
        pytest.fail("uvicorn did not start:\n" + "".join(seen))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()


def test_generated_clients_talk_to_the_served_app(generated: Path, shop_venv: Path,
                                                  served: str) -> None:
    done = subprocess.run([str(shop_venv / "bin" / "python"), "-c", USE_CLIENTS, served,
                           str(generated / "generated")], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["health"] == {"status": "ok", "shop": "corner-shop"}
    assert seen["created"]["name"] == "chair" and seen["created"]["colour"] == "blue"
    assert seen["fetched_colour"] == "blue"
    assert seen["fetched_depth"] == "None"
    assert seen["blue"] == ["chair"]
    assert seen["deleted"] == 204
    assert seen["missing"] == 404
    assert seen["async"] == {"lines": [{"item_id": 1, "quantity": 3}], "note": "ring twice",
                             "status": "paid", "is_paid": True}
    assert seen["prices"] == [{"symbol": "ACME", "price": 12.5},
                              {"symbol": "INIT", "price": 3.25}]
