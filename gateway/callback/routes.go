package callback

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// Routes mounts the call-back queue, the staff member's own phone and the
// inbox on staff, and the voice and inbound-message webhooks (Twilio,
// signature-checked) on hooks, the /webhooks group.
func (s *Service) Routes(staff, hooks *gin.RouterGroup) {
	staff.GET("/callbacks", s.listCallbacks)
	staff.POST("/callbacks/:id/claim", s.claimCallback)
	staff.POST("/callbacks/:id/release", s.releaseCallback)
	staff.POST("/callbacks/:id/connect", s.connectCallback)
	staff.POST("/callbacks/:id/complete", s.completeCallback)
	staff.GET("/me/phone", s.getMyPhone)
	staff.PUT("/me/phone", s.putMyPhone)
	staff.DELETE("/me/phone", s.deleteMyPhone)
	in, vh := replies{s}, voiceHooks{s}
	staff.GET("/inbox", in.inbox)
	staff.POST("/inbox/:id/read", in.markInboxRead)

	// The route constants are full paths because signatures are checked
	// over them.
	for _, r := range []struct {
		route string
		h     gin.HandlerFunc
	}{
		{RouteInbound, in.twilioInbound},
		{RouteVoiceBridge, vh.voiceBridge},
		{RouteVoiceScreen, vh.voiceScreen},
		{RouteVoiceGate, vh.voiceGate},
		{RouteVoiceDial, vh.voiceDial},
		{RouteVoiceStatus, vh.voiceStatus},
		{RouteVoiceAMD, vh.voiceAMD},
		{RouteReminder, vh.voiceReminder},
		{RouteReminderGate, vh.voiceReminderGate},
		{RouteReminderStatus, vh.voiceReminderStatus},
	} {
		hooks.POST(strings.TrimPrefix(r.route, "/webhooks"), r.h)
	}
}
