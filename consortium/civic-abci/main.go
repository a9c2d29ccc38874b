// Command civic-abci is libcivic's ledger as a CometBFT ABCI application,
// plus the small client the consortium scripts drive it with.
//
//	civic-abci serve --home DIR --addr tcp://127.0.0.1:PORT [--snapshot-interval N] [--inject-dir DIR]
//	civic-abci keygen                                   -> {"public_key","secret_key"} (hex)
//	civic-abci testnet --dir DIR --cometbft BIN [--base-port P] [--nodes 4]
//	civic-abci sign --chain-id C --key FILE --id BATCH_ID [BATCH_FILE]  -> raw tx
//	civic-abci submit --rpc URL --chain-id C --key FILE --id BATCH_ID [--sync] [BATCH_FILE]
//	civic-abci query --rpc URL PATH
//	civic-abci walkthrough --net DIR
//	civic-abci compare --net DIR                        (balances + state hash on every node)
//	civic-abci bench --net DIR [--batches N] [--per-batch B]
//	civic-abci wait --net DIR --height H [--nodes a,b]
//	civic-abci txresult --rpc URL --tx-file FILE         (FinalizeBlock result of a tx)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: civic-abci serve|keygen|testnet|sign|submit|query|walkthrough|compare|bench ...")
		os.Exit(2)
	}
	if err := civicInit(); err != nil {
		fatal(err)
	}
	cmds := map[string]func([]string) error{
		"serve": cmdServe, "keygen": cmdKeygen, "testnet": cmdTestnet, "sign": cmdSign,
		"submit": cmdSubmit, "query": cmdQuery, "walkthrough": cmdWalkthrough,
		"compare": cmdCompare, "bench": cmdBench, "wait": cmdWait, "txresult": cmdTxResult, "join": cmdJoin,
	}
	f, ok := cmds[os.Args[1]]
	if !ok {
		fatal(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	if err := f(os.Args[2:]); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "civic-abci:", err)
	os.Exit(1)
}
