"""The Discord adapter's tests: a real ``kiosque run`` process against the loopback fake."""
