-- GET with the cookies given by -H 'Cookie: ...'; reports through report.lua.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
