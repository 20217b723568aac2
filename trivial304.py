START = {"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"abc"'), (b"cache-control", b"private, max-age=300"), (b"vary", b"Accept-Encoding"), (b"last-modified", b"Sun, 10 May 2026 07:45:12 GMT")]}
MSG = {"type": "http.response.body", "body": b""}
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send(START)
    await send(MSG)
