package main

import (
	_ "github.com/cometbft/cometbft/abci/server"
	_ "github.com/cometbft/cometbft/abci/types"
)
