-- closures, upvalues, varargs, tables and metatables
local function counter()
  local n = 0
  return function(step) n = n + (step or 1); return n end
end
local c1, c2 = counter(), counter()
print(c1(), c1(), c1(10), c2(), c2(5))
local function sum(...)
  local t, s = {...}, 0
  for i = 1, select("#", ...) do s = s + (t[i] or 0) end
  return s, select("#", ...)
end
print(sum(1, 2, 3, nil, 5))
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__tostring = function(v) return ("(%g, %g)"):format(v.x, v.y) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
print(tostring(vec(1, 2) + vec(3, 4.5)), vec(1, 1) == vec(1, 1))
local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "), #t, table.unpack(t, 1, 3))
table.insert(t, 1, -1); table.remove(t); print(table.concat(t, ","))
local keys = {}
for k in pairs({a = 1, b = 2, c = 3}) do keys[#keys + 1] = k end
table.sort(keys); print(table.concat(keys))
print(select(-1, "a", "b", "c"), rawlen({1, 2, 3}), rawequal(t, t))
