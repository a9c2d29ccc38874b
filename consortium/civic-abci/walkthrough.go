package main

func cmdWalkthrough(args []string) error { return nil }
func cmdBench(args []string) error       { return nil }
