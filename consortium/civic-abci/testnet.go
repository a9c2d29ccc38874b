package main

// `civic-abci testnet`: a local consortium of CometBFT validators, one per
// institution, on loopback ports only. Uses `cometbft init` for each node's
// keys and config, then writes one shared genesis (all validators, the
// institutions' signing keys as app_state) and wires the peers.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Institution of the local consortium.
type Institution struct{ ID, Name string }

var defaultInstitutions = []Institution{
	{"muni", "Municipality"},
	{"agency", "Benefit agency"},
	{"housing", "Housing corporation"},
	{"merchants", "Merchants' association"},
}

// NodeInfo is one node of net.json.
type NodeInfo struct {
	Institution string `json:"institution"`
	Name        string `json:"name"`
	CometHome   string `json:"comet_home"`
	AppHome     string `json:"app_home"`
	KeyFile     string `json:"key_file"`
	RPC         string `json:"rpc"`
	P2P         string `json:"p2p"`
	ABCI        string `json:"abci"`
	NodeID      string `json:"node_id"`
}

// NetInfo is net.json, read by every client subcommand.
type NetInfo struct {
	ChainID string     `json:"chain_id"`
	Nodes   []NodeInfo `json:"nodes"`
}

func loadNet(dir string) (*NetInfo, error) {
	var n NetInfo
	b, err := os.ReadFile(filepath.Join(dir, "net.json"))
	if err == nil {
		err = json.Unmarshal(b, &n)
	}
	return &n, err
}

func run(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func cmdTestnet(args []string) error {
	fs := flag.NewFlagSet("testnet", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory (must not exist)")
	bin := fs.String("cometbft", "cometbft", "cometbft binary")
	base := fs.Int("base-port", 27000, "node i uses base+10i (p2p), +1 (rpc), +2 (abci)")
	nodes := fs.Int("nodes", 4, "number of validators (1..4); extra non-validator nodes: --observers")
	observers := fs.Int("observers", 0, "non-validator nodes to prepare (state-sync joiners)")
	chainID := fs.String("chain-id", "civic-local", "chain id")
	timeoutCommit := fs.String("timeout-commit", "300ms", "CometBFT consensus.timeout_commit")
	fs.Parse(args)
	if *dir == "" || *nodes < 1 || *nodes > len(defaultInstitutions) {
		return fmt.Errorf("testnet: --dir required, --nodes in 1..%d", len(defaultInstitutions))
	}
	if _, err := os.Stat(*dir); err == nil {
		return fmt.Errorf("testnet: %s exists", *dir)
	}
	net := NetInfo{ChainID: *chainID}
	var validators []map[string]any
	var institutions []map[string]string
	total := *nodes + *observers
	for i := 0; i < total; i++ {
		inst := Institution{fmt.Sprintf("observer%d", i-*nodes+1), "Joining institution"}
		if i < *nodes {
			inst = defaultInstitutions[i]
		}
		p := *base + 10*i
		n := NodeInfo{Institution: inst.ID, Name: inst.Name,
			CometHome: filepath.Join(*dir, inst.ID, "cometbft"), AppHome: filepath.Join(*dir, inst.ID, "app"),
			KeyFile: filepath.Join(*dir, "keys", inst.ID+".json"),
			P2P:     fmt.Sprintf("127.0.0.1:%d", p), RPC: fmt.Sprintf("127.0.0.1:%d", p+1), ABCI: fmt.Sprintf("127.0.0.1:%d", p+2)}
		if _, err := run(*bin, "init", "--home", n.CometHome); err != nil {
			return err
		}
		id, err := run(*bin, "show-node-id", "--home", n.CometHome)
		if err != nil {
			return err
		}
		n.NodeID = id
		if i < *nodes {
			var pv struct {
				Address string          `json:"address"`
				PubKey  json.RawMessage `json:"pub_key"`
			}
			b, err := os.ReadFile(filepath.Join(n.CometHome, "config", "priv_validator_key.json"))
			if err == nil {
				err = json.Unmarshal(b, &pv)
			}
			if err != nil {
				return err
			}
			validators = append(validators, map[string]any{"address": pv.Address, "pub_key": pv.PubKey, "power": "10", "name": inst.ID})
			k := newKey(inst.ID)
			if err := os.MkdirAll(filepath.Dir(n.KeyFile), 0o700); err != nil {
				return err
			}
			kb, _ := json.MarshalIndent(k, "", "  ")
			if err := os.WriteFile(n.KeyFile, kb, 0o600); err != nil {
				return err
			}
			institutions = append(institutions, map[string]string{"id": inst.ID, "name": inst.Name, "public_key": k.PublicKey})
		}
		net.Nodes = append(net.Nodes, n)
	}
	// One genesis for all: node 0's, with every validator and the app state.
	var gen map[string]any
	b, err := os.ReadFile(filepath.Join(net.Nodes[0].CometHome, "config", "genesis.json"))
	if err == nil {
		err = json.Unmarshal(b, &gen)
	}
	if err != nil {
		return err
	}
	gen["chain_id"] = *chainID
	gen["validators"] = validators
	gen["app_state"] = map[string]any{
		"institutions": institutions,
		"assets":       []map[string]any{{"code": "EUR", "scale": 2}, {"code": "CIVIC", "scale": 0}},
	}
	gb, _ := json.MarshalIndent(gen, "", "  ")
	for i, n := range net.Nodes {
		if err := os.WriteFile(filepath.Join(n.CometHome, "config", "genesis.json"), gb, 0o644); err != nil {
			return err
		}
		var peers []string
		for j, m := range net.Nodes {
			if j != i && j < *nodes {
				peers = append(peers, m.NodeID+"@"+m.P2P)
			}
		}
		edits := map[string]map[string]string{
			"": {"proxy_app": q("tcp://" + n.ABCI), "moniker": q(n.Institution),
				"log_level": q("state:info,statesync:info,p2p:error,*:error")},
			"rpc":             {"laddr": q("tcp://" + n.RPC), "pprof_laddr": q("")},
			"p2p":             {"laddr": q("tcp://" + n.P2P), "persistent_peers": q(strings.Join(peers, ",")), "addr_book_strict": "false", "allow_duplicate_ip": "true", "pex": "false"},
			"consensus":       {"timeout_commit": q(*timeoutCommit), "timeout_propose": q("1s")},
			"instrumentation": {"prometheus": "false"},
		}
		if err := editToml(filepath.Join(n.CometHome, "config", "config.toml"), edits); err != nil {
			return err
		}
	}
	nb, _ := json.MarshalIndent(net, "", "  ")
	if err := os.WriteFile(filepath.Join(*dir, "net.json"), nb, 0o644); err != nil {
		return err
	}
	fmt.Printf("testnet %s: %d validators, %d observers in %s\n", *chainID, *nodes, *observers, *dir)
	return nil
}

func q(s string) string { return `"` + s + `"` }

var tomlKey = regexp.MustCompile(`^([a-z_]+)\s*=`)

// editToml sets `key = value` lines inside the given [sections] ("" is the
// top level) of a CometBFT config.toml; every key must already exist.
func editToml(path string, edits map[string]map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	section := ""
	done := map[string]bool{}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
			section = strings.Trim(t, "[]")
			continue
		}
		m := tomlKey.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		if v, ok := edits[section][m[1]]; ok {
			lines[i] = m[1] + " = " + v
			done[section+"."+m[1]] = true
		}
	}
	for s, kv := range edits {
		for k := range kv {
			if !done[s+"."+k] {
				return fmt.Errorf("%s: key %s not found in section [%s]", path, k, s)
			}
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// cmdJoin configures a prepared non-validator node (testnet --observers) to
// join by state sync: CometBFT's light client trusts the header at a recent
// height fetched from two validators' RPC, then civic-abci restores the
// snapshot's journal and proves it against that header's app hash.
func cmdJoin(args []string) error {
	fs := flag.NewFlagSet("join", flag.ExitOnError)
	dir := fs.String("net", "", "testnet directory")
	node := fs.String("node", "observer1", "node to configure")
	fs.Parse(args)
	net, err := loadNet(*dir)
	if err != nil {
		return err
	}
	var me *NodeInfo
	var rpcs []string
	for i := range net.Nodes {
		if net.Nodes[i].Institution == *node {
			me = &net.Nodes[i]
		} else if !strings.HasPrefix(net.Nodes[i].Institution, "observer") && len(rpcs) < 2 {
			rpcs = append(rpcs, net.Nodes[i].RPC)
		}
	}
	if me == nil || len(rpcs) < 1 {
		return fmt.Errorf("join: no node %q or no validator RPC", *node)
	}
	if len(rpcs) == 1 {
		rpcs = append(rpcs, rpcs[0])
	}
	s, err := status(rpcs[0])
	if err != nil {
		return err
	}
	var c struct {
		SignedHeader struct {
			Commit struct {
				Height  string `json:"height"`
				BlockID struct {
					Hash string `json:"hash"`
				} `json:"block_id"`
			} `json:"commit"`
		} `json:"signed_header"`
	}
	h := s.Height - 1
	if err := rpcCall(rpcs[0], "commit", map[string]any{"height": fmt.Sprint(h)}, &c); err != nil {
		return err
	}
	edits := map[string]map[string]string{"statesync": {
		"enable": "true", "rpc_servers": q(strings.Join(rpcs, ",")),
		"trust_height": c.SignedHeader.Commit.Height, "trust_hash": q(c.SignedHeader.Commit.BlockID.Hash),
		"trust_period": q("168h0m0s"), "discovery_time": q("5s"),
	}}
	if err := editToml(filepath.Join(me.CometHome, "config", "config.toml"), edits); err != nil {
		return err
	}
	fmt.Printf("%s: state sync from %s, trusting height %s hash %s\n", *node, strings.Join(rpcs, ","), c.SignedHeader.Commit.Height, c.SignedHeader.Commit.BlockID.Hash)
	return nil
}
