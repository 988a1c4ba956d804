package main

import "os"

func main() { os.Stdout.WriteString("hi\n") }
