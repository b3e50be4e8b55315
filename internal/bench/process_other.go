//go:build !linux

package bench

import "syscall"

// childAttr returns no attributes: only Linux can tie a child's life to its parent.
func childAttr() *syscall.SysProcAttr { return nil }
