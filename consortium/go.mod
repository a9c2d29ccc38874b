module github.com/libcivic/civic/consortium

go 1.23

require github.com/cometbft/cometbft v0.38.26 // indirect
