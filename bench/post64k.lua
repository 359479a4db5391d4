-- A 64 KiB POST body; the echo handler sends it back inside its JSON answer.
wrk.method = "POST"
wrk.body = string.rep("x", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
