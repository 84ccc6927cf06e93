module ward.dev/ward

go 1.19
