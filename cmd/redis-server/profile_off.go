//go:build !profile

package main

// startProfile does nothing without -tags profile (profile.go).
func startProfile() func() { return func() {} }
