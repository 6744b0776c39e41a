package safety

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
)

// The API's handlers for meeting points, appointments and check-in plans:
// bind the request, call the service method the console's pages also
// call (appointments.go, meetingpoints.go, checkins.go), write the answer.

func (s *Service) createAppointment(c *gin.Context) {
	var in AppointmentInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := s.bookAppointment(c.Request.Context(), auth.ActorOf(c), in)
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusCreated, view)
}

func (s *Service) patchAppointment(c *gin.Context) {
	var in AppointmentPatch
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := s.moveAppointment(c.Request.Context(), auth.ActorOf(c), c.Param("id"), in)
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s *Service) cancelAppointment(c *gin.Context) {
	view, err := s.cancelBooking(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s *Service) createMeetingPoint(c *gin.Context) {
	var in MeetingPointInput
	// "name" is a place's name here, not a person's.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	view, err := s.addMeetingPoint(c.Request.Context(), auth.ActorOf(c), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, view)
}

func (s *Service) listMeetingPoints(c *gin.Context) {
	items, err := s.meetingPoints(c.Request.Context())
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Service) putCheckinPlan(c *gin.Context) {
	var in CheckinPlanInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := s.setCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code"), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s *Service) getCheckinPlan(c *gin.Context) {
	plan, recent, err := s.checkinPlanOf(c.Request.Context(), auth.ActorOf(c), c.Param("code"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": plan, "recent_checkins": recent})
}

func (s *Service) deleteCheckinPlan(c *gin.Context) {
	if err := s.stopCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code")); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
