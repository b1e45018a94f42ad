"""Pure policy, between the transports and the request pipeline: what a request may do.

``router`` (the compiled route table), ``ratelimit`` (in memory or in Redis), ``auth``
(JWT verification and its key source), ``forwarded`` (who the client is behind trusted
proxies) and ``record`` (what is recorded of a request: its ids, route, status). None of it
writes a byte to a socket.
"""
