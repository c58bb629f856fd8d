-- pcall, error with tables and levels, xpcall with a handler, assert
print(pcall(error, "plain"))
print(select(2, pcall(error, {code = 42})).code)
print(select(2, pcall(error, setmetatable({}, {__tostring = function() return "obj" end}))) ~= nil)
local function lvl() error("at level 2", 2) end
print(pcall(function() lvl() end))
print(xpcall(function() local x = nil; return x.field end,
  function(m) return "handled: " .. tostring(m):gsub("^.-:%d+: ", "") end))
print(pcall(assert, false, "assert msg"), pcall(assert, 1 == 1, "unused"))
print(pcall(function() return 1 + {} end))
print(pcall(string.rep))
print(pcall(function() local t = setmetatable({}, {__index = function(_, k) error("no " .. k) end}); return t.x end))
local ok, e = pcall(function() error() end)
print(ok, e)
print(tostring(nil), tonumber("0x10"), tonumber("1e2"), tonumber("z", 36), tonumber("abc"))
print(pcall(require, "no.such.module") == false)
