-- coroutines: generators, passing values, status, wrap, errors inside
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i, i * i) end
    return "done"
  end)
end
local g = gen(3)
print(g()); print(g()); print(g()); print(g())
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.status(co), coroutine.resume(co, 1, 2))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4), coroutine.status(co))
print(coroutine.resume(co))
local bad = coroutine.create(function() error("inside") end)
print(coroutine.resume(bad))
print(coroutine.isyieldable(), select(2, coroutine.running()))
local function producer()
  return coroutine.create(function()
    for _, v in ipairs({"a", "b", "c"}) do coroutine.yield(v) end
  end)
end
local p, out = producer(), {}
while true do
  local ok, v = coroutine.resume(p)
  if not v then break end
  out[#out + 1] = v
end
print(table.concat(out, "+"))
