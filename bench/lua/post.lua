-- POST with a small text body (async enqueue: each request queues one invocation).
-- Usage: wrk ... -s post.lua URL -- PER_THREAD
-- Each thread stops after PER_THREAD answers, so the work a run queues is bounded in count as well as by
-- -d in time. wrk still reports over the whole -d: a run that hits the cap under-reports its rate
-- (bench/ flags it).
wrk.method = "POST"
wrk.body = "x"
wrk.headers["Content-Type"] = "text/plain"

local limit = 0
local seen = 0

function init(args)
  limit = tonumber(args[1]) or 0
end

function response(status, headers, body)
  seen = seen + 1
  if limit > 0 and seen >= limit then
    wrk.thread:stop()
  end
end
