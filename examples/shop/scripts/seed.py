"""Load demo products into the database pitstop passes in DATABASE_URL (SQLite here)."""

import os
import sqlite3
import sys

PRODUCTS = [("TEA-01", "Green tea", 450), ("TEA-02", "Black tea", 390), ("MUG-01", "Mug", 1200)]


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("sqlite:///"):
        print(f"this demo seed only knows SQLite, got {url.split('@')[-1]!r}", file=sys.stderr)
        return 1
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.executemany("INSERT OR IGNORE INTO products (sku, name, price_cents) VALUES (?, ?, ?)",
                       PRODUCTS)
        count = db.execute("SELECT count(*) FROM products").fetchone()[0]
    print(f"{count} products in the catalogue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
