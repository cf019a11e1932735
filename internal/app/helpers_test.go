package app

import "github.com/voxdial/voxdial/voicebot/live"

func liveOptions() live.Options { return live.Options{} }
