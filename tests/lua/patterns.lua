-- string patterns: find, match, gmatch, gsub with captures and classes
local s = "The quick brown fox jumps over the lazy dog 1234 times, 56.78%"
print(s:find("fox"), s:find("%d+"), s:find("(%a+) (%a+)$"))
print(s:match("(%d+)%.(%d+)"), s:match("^(%w+)"), s:match("%s(%l+)%s"))
for w in s:gmatch("%a+") do io.write(w:upper(), ",") end
print()
print(s:gsub("o", "0"))
print(("hello world"):gsub("(%w+)", "<%1>"))
print(("abc"):gsub("", "-"))
print(("key=val; k2=v2"):gsub("(%w+)=(%w+)", "%2=%1"))
print(string.rep("ab", 5, "|"), ("x"):rep(0), #("%d"):rep(100))
print(("  trim me  "):match("^%s*(.-)%s*$"))
print(("[balanced (parens) here]"):match("%b()"), ("f(a(b)c)"):match("%b()"))
print(("THE (quick) fox"):find("%f[%a]%a+"), ("hello"):byte(1, -1))
print(string.char(72, 105), ("%q"):format("a\nb\"c\0"))
