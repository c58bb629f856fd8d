-- integer and float arithmetic, conversions, math library, string.format
print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 7.5 // 2, 2^10, 10 / 4, 3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 62, 1 << 63, 1 << 64)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, math.type(1), math.type(1.0), math.type("1"))
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.max(3, 9, 1), math.min(3.5, -1), math.fmod(7, 3), math.fmod(-7, 3))
print(math.sqrt(2), math.pi, math.huge, -math.huge, math.exp(1), math.log(8, 2), math.log(100, 10), math.sin(0), math.cos(0))
print(math.tointeger(3.0), math.tointeger(3.5), math.ult(1, -1), 0.1 + 0.2 == 0.3, 0.1 + 0.2)
print(string.format("%d %5d %-5d| %05d %x %X %o %c", 42, 42, 42, 42, 255, 255, 8, 65))
print(string.format("%.3f %10.2f %-10.1f| %e %g %g %g", math.pi, 2.5, 1.25, 12345.678, 0.0001, 1e20, 100))
print(string.format("%s %q %10s %-10s| %.2s %%", "str", "q\t", "right", "left", "truncate"))
print(string.format("%a", 1.0), string.format("%5.1f|%-8.3e|", -0.05, 6.02e23))
print(8 // 0.0, -8 // 0.0, pcall(function() return 8 // 0 end))
print(tostring(1e15), tostring(1e16), tostring(2^53), 123456789012 * 1000, 3 == 3.0, "10" + 5, "3" * "4")
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20), #tostring(fib(25)))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häl€"), #utf8.char(128512))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
