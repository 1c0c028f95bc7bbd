"""Database connections and helpers shared by every capability that talks to a database."""
