module tracesim.local/rtcsv

go 1.23
