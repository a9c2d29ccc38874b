package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/cometbft/cometbft/abci/server"
	cmtlog "github.com/cometbft/cometbft/libs/log"
)

func cmdServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	home := fs.String("home", "", "directory of this node's libcivic journal and state")
	addr := fs.String("addr", "tcp://127.0.0.1:26658", "ABCI socket address (keep it on loopback)")
	snap := fs.Int64("snapshot-interval", 0, "take a state-sync snapshot every N heights (0: never)")
	inject := fs.String("inject-dir", "", "fault tests only: propose the raw txs found here, bypassing CheckTx")
	crash := fs.Bool("crash-mid-block", false, "fault tests only: exit abruptly after the first applied tx of a block with several")
	fs.Parse(args)
	if *home == "" {
		return fmt.Errorf("serve: --home is required")
	}
	log.SetPrefix("civic-abci ")
	app, err := NewApp(*home, *snap, *inject)
	if err != nil {
		return err
	}
	app.crashMidBlock = *crash
	srv, err := server.NewServer(*addr, "socket", app)
	if err != nil {
		return err
	}
	srv.SetLogger(cmtlog.NewTMLogger(cmtlog.NewSyncWriter(os.Stderr)).With("module", "abci-server"))
	if err := srv.Start(); err != nil {
		return err
	}
	log.Printf("serving %s on %s (height %d, app hash %s)", *home, *addr, app.state.Height, app.state.AppHash)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = srv.Stop()
	app.Close()
	return nil
}

// KeyFile is an institution's key pair, hex as libcivic writes it
// (`civic ledger keygen`): public 32 bytes, secret 64 bytes (seed || public).
type KeyFile struct {
	Institution string `json:"institution,omitempty"`
	PublicKey   string `json:"public_key"`
	SecretKey   string `json:"secret_key"`
}

func newKey(inst string) KeyFile {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return KeyFile{Institution: inst, PublicKey: hex.EncodeToString(pk), SecretKey: hex.EncodeToString(sk)}
}

func loadKey(path string) (KeyFile, ed25519.PrivateKey, error) {
	var k KeyFile
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &k)
	}
	if err != nil {
		return k, nil, fmt.Errorf("%s: %v", path, err)
	}
	sk, err := hex.DecodeString(k.SecretKey)
	if err != nil || len(sk) != ed25519.PrivateKeySize {
		return k, nil, fmt.Errorf("%s: secret_key must be 128 hex characters", path)
	}
	return k, ed25519.PrivateKey(sk), nil
}

func cmdKeygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	inst := fs.String("institution", "", "institution id to record in the file")
	fs.Parse(args)
	b, _ := json.Marshal(newKey(*inst))
	fmt.Println(string(b))
	return nil
}
