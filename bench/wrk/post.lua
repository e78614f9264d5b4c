-- POST the urlencoded form in $BENCH_BODY_FILE (it carries _csrf_token; the csrftoken and
-- session cookies come from -H 'Cookie: ...'); reports through report.lua.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
