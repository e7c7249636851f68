-- wrk script for the benchmark: POSTs one request body and counts every answer that is not
-- complete (status other than 200, or a body without the end marker).
--
--   wrk ... -s bench/load.lua URL -- PATH BODY_FILE MARKER API_KEY
--
-- PATH: /v1/messages or /v1/chat/completions; BODY_FILE: the JSON request; MARKER: the text a
-- complete answer contains ("event: message_stop" or "data: [DONE]"); API_KEY: sent as both
-- x-api-key and a bearer token (LiteLLM wants its master key; the others accept anything).
-- done() prints one line the harness parses:
--   BENCH requests=N duration_s=S rps=R p50_ms=… p90_ms=… p99_ms=… max_ms=… complete=N
--         incomplete=N non200=N err_connect=N err_read=N err_write=N err_status=N err_timeout=N

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- Globals: done() reads them from each thread's Lua state with thread:get().
marker = nil
complete = 0
incomplete = 0
non200 = 0

function init(args)
    local path, body_file, key = args[1], args[2], args[4]
    marker = args[3]
    local file = assert(io.open(body_file, "rb"))
    wrk.method = "POST"
    wrk.path = path
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "text/event-stream"
    wrk.headers["anthropic-version"] = "2023-06-01"
    wrk.headers["x-api-key"] = key
    wrk.headers["Authorization"] = "Bearer " .. key
end

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
        incomplete = incomplete + 1
    elseif string.find(body, marker, 1, true) then
        complete = complete + 1
    else
        incomplete = incomplete + 1
    end
end

function done(summary, latency, requests)
    local c, i, n = 0, 0, 0
    for _, thread in ipairs(threads) do
        c = c + thread:get("complete")
        i = i + thread:get("incomplete")
        n = n + thread:get("non200")
    end
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
            .. "complete=%d incomplete=%d non200=%d err_connect=%d err_read=%d err_write=%d "
            .. "err_status=%d err_timeout=%d\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, c, i, n, e.connect, e.read, e.write, e.status, e.timeout))
end
