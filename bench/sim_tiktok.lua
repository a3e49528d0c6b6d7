-- wrk script: POST a TikTok Research API video query to the simulated server.
-- Environment: SIM_TOKEN (bearer token), SIM_TAG (hashtag), SIM_MAX (max_count).
wrk.method = "POST"
wrk.path = "/v2/research/video/query/?fields=id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,hashtag_names,username"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SIM_TOKEN")
wrk.body = '{"query":{"and":[{"operation":"IN","field_name":"hashtag_name","field_values":["' ..
    os.getenv("SIM_TAG") .. '"]}]},"start_date":"' .. os.getenv("SIM_START") ..
    '","end_date":"' .. os.getenv("SIM_END") .. '","max_count":' .. os.getenv("SIM_MAX") .. '}'

local non200 = 0
response = function(status, headers, body)
    if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
    io.stderr:write(string.format("non-200 responses (last thread): %d\n", non200))
end
