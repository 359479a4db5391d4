-- One request in 20 asks the hello handler to take 100 ms; the others are answered at once.
local counter = 0
request = function()
    counter = counter + 1
    if counter % 20 == 0 then
        return wrk.format("GET", "/hello?sleep=100")
    end
    return wrk.format("GET", "/hello")
end
