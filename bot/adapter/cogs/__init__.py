"""One cog per area: questions, the library, the history, the guild's settings."""
