package main

// Client side: sign batches, talk to CometBFT's JSON-RPC (loopback), compare
// nodes.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

func rpcCall(rpc, method string, params any, out any) error {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	url := rpc
	if !strings.HasPrefix(url, "http") {
		url = "http://" + url
	}
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s %s: %v: %s", rpc, method, err, b)
	}
	if env.Error != nil {
		return fmt.Errorf("%s %s: %s %s", rpc, method, env.Error.Message, env.Error.Data)
	}
	return json.Unmarshal(env.Result, out)
}

// TxResult is what a submission came to (CheckTx, then the block).
type TxResult struct {
	ID        string `json:"id"`
	CheckCode uint32 `json:"check_code"`
	CheckLog  string `json:"check_log,omitempty"`
	TxCode    uint32 `json:"tx_code"`
	TxLog     string `json:"tx_log,omitempty"`
	Height    int64  `json:"height,string"`
	Hash      string `json:"hash"`
}

type abciRes struct {
	Code uint32 `json:"code"`
	Log  string `json:"log"`
}

// broadcastCommit submits tx and waits until it is in a block.
func broadcastCommit(rpc string, tx []byte) (TxResult, error) {
	var r struct {
		CheckTx  abciRes `json:"check_tx"`
		TxResult abciRes `json:"tx_result"`
		Hash     string  `json:"hash"`
		Height   string  `json:"height"`
	}
	err := rpcCall(rpc, "broadcast_tx_commit", map[string]any{"tx": base64.StdEncoding.EncodeToString(tx)}, &r)
	h, _ := strconv.ParseInt(r.Height, 10, 64)
	return TxResult{CheckCode: r.CheckTx.Code, CheckLog: r.CheckTx.Log, TxCode: r.TxResult.Code, TxLog: r.TxResult.Log, Height: h, Hash: r.Hash}, err
}

// broadcastSync submits tx and returns after CheckTx.
func broadcastSync(rpc string, tx []byte) (abciRes, error) {
	var r abciRes
	err := rpcCall(rpc, "broadcast_tx_sync", map[string]any{"tx": base64.StdEncoding.EncodeToString(tx)}, &r)
	return r, err
}

func abciQuery(rpc, path string) (string, error) {
	var r struct {
		Response struct {
			Code  uint32 `json:"code"`
			Log   string `json:"log"`
			Value []byte `json:"value"`
		} `json:"response"`
	}
	if err := rpcCall(rpc, "abci_query", map[string]any{"path": path}, &r); err != nil {
		return "", err
	}
	if r.Response.Code != 0 {
		return "", fmt.Errorf("query %s: code %d: %s", path, r.Response.Code, r.Response.Log)
	}
	return string(r.Response.Value), nil
}

func readBatchArg(fs *flag.FlagSet) ([]byte, error) {
	if fs.NArg() == 0 || fs.Arg(0) == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(fs.Arg(0))
}

func cmdSign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	chain := fs.String("chain-id", "civic-local", "chain id")
	key := fs.String("key", "", "institution key file")
	inst := fs.String("as", "", "institution to sign as (default: the key file's)")
	id := fs.String("id", "", "batch id")
	fs.Parse(args)
	k, sk, err := loadKey(*key)
	if err != nil {
		return err
	}
	if *inst == "" {
		*inst = k.Institution
	}
	batch, err := readBatchArg(fs)
	if err != nil {
		return err
	}
	fmt.Println(string(MakeTx(*chain, *inst, *id, bytes.TrimSpace(batch), sk)))
	return nil
}

func cmdSubmit(args []string) error {
	fs := flag.NewFlagSet("submit", flag.ExitOnError)
	rpc := fs.String("rpc", "127.0.0.1:26657", "CometBFT RPC address")
	chain := fs.String("chain-id", "civic-local", "chain id")
	key := fs.String("key", "", "institution key file")
	id := fs.String("id", "", "batch id")
	raw := fs.Bool("raw", false, "the file is an already signed tx")
	async := fs.Bool("sync", false, "broadcast_tx_sync: return after CheckTx, do not wait for the block")
	fs.Parse(args)
	data, err := readBatchArg(fs)
	if err != nil {
		return err
	}
	tx := bytes.TrimSpace(data)
	if !*raw {
		k, sk, err := loadKey(*key)
		if err != nil {
			return err
		}
		tx = MakeTx(*chain, k.Institution, *id, tx, sk)
	}
	if *async {
		r, err := broadcastSync(*rpc, tx)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"id": *id, "check_code": r.Code, "check_log": r.Log})
		fmt.Println(string(b))
		return nil
	}
	r, err := broadcastCommit(*rpc, tx)
	if err != nil {
		if strings.Contains(err.Error(), "already exists in cache") {
			// CometBFT's mempool cache refused the exact bytes before the
			// application saw them: a replay refusal too, one layer earlier.
			b, _ := json.Marshal(map[string]any{"id": *id, "rpc_error": "tx already exists in cache"})
			fmt.Println(string(b))
			return nil
		}
		return err
	}
	r.ID = *id
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	return nil
}

func cmdQuery(args []string) error {
	fs := flag.NewFlagSet("query", flag.ExitOnError)
	rpc := fs.String("rpc", "127.0.0.1:26657", "CometBFT RPC address")
	fs.Parse(args)
	v, err := abciQuery(*rpc, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(v)
	return nil
}

// nodeStatus is the part of /status the scripts need.
type nodeStatus struct {
	Height  int64
	AppHash string
	Syncing bool
}

func status(rpc string) (nodeStatus, error) {
	var r struct {
		SyncInfo struct {
			Height  string `json:"latest_block_height"`
			AppHash string `json:"latest_app_hash"`
			CatchUp bool   `json:"catching_up"`
		} `json:"sync_info"`
	}
	if err := rpcCall(rpc, "status", map[string]any{}, &r); err != nil {
		return nodeStatus{}, err
	}
	h, _ := strconv.ParseInt(r.SyncInfo.Height, 10, 64)
	return nodeStatus{Height: h, AppHash: r.SyncInfo.AppHash, Syncing: r.SyncInfo.CatchUp}, nil
}

// cmdWait waits until every listed node (default: all of net.json) has
// reached --height (or the highest height among them, with --same), then
// prints the heights.
func cmdWait(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	dir := fs.String("net", "", "testnet directory")
	height := fs.Int64("height", 1, "height every node must reach")
	only := fs.String("nodes", "", "comma-separated institutions (default all)")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	fs.Parse(args)
	net, err := loadNet(*dir)
	if err != nil {
		return err
	}
	nodes := selectNodes(net, *only)
	deadline := time.Now().Add(*timeout)
	for {
		ok := true
		var line []string
		for _, n := range nodes {
			s, err := status(n.RPC)
			if err != nil || s.Height < *height || s.Syncing {
				ok = false
			}
			line = append(line, fmt.Sprintf("%s=%d", n.Institution, s.Height))
		}
		if ok {
			fmt.Println("heights:", strings.Join(line, " "))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait: height %d not reached in %v (%s)", *height, *timeout, strings.Join(line, " "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func selectNodes(net *NetInfo, only string) []NodeInfo {
	if only == "" {
		return net.Nodes
	}
	var out []NodeInfo
	for _, n := range net.Nodes {
		for _, o := range strings.Split(only, ",") {
			if n.Institution == o {
				out = append(out, n)
			}
		}
	}
	return out
}

// compareNodes reads /balances (which carries libcivic's state_hash) from
// every node at one common committed height and checks they are identical.
func compareNodes(nodes []NodeInfo, print bool) error {
	// Let every node reach the same height, and read while no block lands in
	// between: retry until the state heights agree.
	for attempt := 0; attempt < 50; attempt++ {
		var first, firstState string
		same := true
		var report []string
		for i, n := range nodes {
			st, err := abciQuery(n.RPC, "/state")
			if err != nil {
				return fmt.Errorf("%s: %v", n.Institution, err)
			}
			bal, err := abciQuery(n.RPC, "/balances")
			if err != nil {
				return fmt.Errorf("%s: %v", n.Institution, err)
			}
			var s struct {
				Height int64  `json:"height"`
				Hash   string `json:"state_hash"`
			}
			_ = json.Unmarshal([]byte(st), &s)
			report = append(report, fmt.Sprintf("  %-10s height %-5d state_hash %s", n.Institution, s.Height, s.Hash))
			if i == 0 {
				first, firstState = bal, s.Hash
			} else if bal != first || s.Hash != firstState {
				same = false
			}
		}
		if same {
			if print {
				fmt.Println(strings.Join(report, "\n"))
				fmt.Println("balances (identical on every node):")
				printBalances(first)
			}
			fmt.Printf("OK: %d nodes report identical balances and state_hash %s\n", len(nodes), firstState)
			return nil
		}
		time.Sleep(300 * time.Millisecond)
		if attempt == 49 {
			fmt.Println(strings.Join(report, "\n"))
		}
	}
	return fmt.Errorf("nodes disagree on balances/state_hash")
}

func printBalances(js string) {
	var doc struct {
		Accounts []struct {
			ID      string `json:"id"`
			Asset   string `json:"asset"`
			Balance int64  `json:"balance"`
		} `json:"accounts"`
	}
	_ = json.Unmarshal([]byte(js), &doc)
	for _, a := range doc.Accounts {
		if strings.Contains(a.ID, ":bench") {
			continue
		}
		if a.Asset == "EUR" {
			fmt.Printf("  %-28s %s %14s\n", a.ID, a.Asset, eur(a.Balance))
		} else {
			fmt.Printf("  %-28s %s %14d\n", a.ID, a.Asset, a.Balance)
		}
	}
}

func eur(c int64) string {
	s := ""
	if c < 0 {
		s, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", s, c/100, c%100)
}

func cmdCompare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	dir := fs.String("net", "", "testnet directory")
	only := fs.String("nodes", "", "comma-separated institutions (default all validators)")
	quiet := fs.Bool("quiet", false, "do not print the balances")
	fs.Parse(args)
	net, err := loadNet(*dir)
	if err != nil {
		return err
	}
	return compareNodes(selectNodes(net, *only), !*quiet)
}

// cmdTxResult waits until the tx in --tx-file (exact bytes, trimmed) is in a
// block and prints its FinalizeBlock result.
func cmdTxResult(args []string) error {
	fs := flag.NewFlagSet("txresult", flag.ExitOnError)
	rpc := fs.String("rpc", "127.0.0.1:26657", "CometBFT RPC address")
	file := fs.String("tx-file", "", "file holding the raw tx")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after")
	fs.Parse(args)
	b, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(bytes.TrimSpace(b))
	deadline := time.Now().Add(*timeout)
	for {
		var r struct {
			Height   string  `json:"height"`
			TxResult abciRes `json:"tx_result"`
		}
		err := rpcCall(*rpc, "tx", map[string]any{"hash": base64.StdEncoding.EncodeToString(sum[:])}, &r)
		if err == nil {
			out, _ := json.Marshal(map[string]any{"height": r.Height, "code": r.TxResult.Code, "log": r.TxResult.Log})
			fmt.Println(string(out))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("txresult: %X not in a block after %v: %v", sum, *timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
